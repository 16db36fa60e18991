"""The rule catalogue (``checks/*.yml``), its compiler into fused scans, and the engine.

``catalogue`` reads and validates the declarations, ``compile`` turns the selected rules
into as few SQL statements as possible, ``engine`` runs them and stores ``dq_results`` /
``dq_violations``, ``results`` holds what a run returns."""
