-- newsclaims data contract v1.1: the DDL of every table (described in docs/codebook.md).
-- v1.1 (minor): documents' licence and text_policy; texts, quotes and offsets NULL where no
-- text is held (citation-only documents; withheld texts in releases); claims' locator; the
-- derived periods of coarse dates (<date column>_from/_to).
-- Closed enumerations are DuckDB ENUM types; keys are PRIMARY KEY / REFERENCES; the build
-- loads tables in the order they are created here (parents before children); an id's
-- pattern is its CHECK (regexp_matches(...)).
-- Tables may gain columns (minor version); nothing here may be renamed or dropped without
-- a major version bump.

CREATE TYPE date_precision AS ENUM ('day', 'week', 'month', 'year');
CREATE TYPE date_basis AS ENUM ('stated', 'relative', 'publication', 'inferred');
CREATE TYPE source_kind AS ENUM ('news', 'wire', 'official_statement', 'ngo_report', 'social_media', 'other');
CREATE TYPE actor_kind AS ENUM ('person', 'government', 'military', 'armed_group', 'ngo', 'intergovernmental', 'media', 'other');
CREATE TYPE place_kind AS ENUM ('country', 'region', 'city', 'district', 'neighbourhood', 'site');
CREATE TYPE incident_kind AS ENUM ('airstrike', 'shelling', 'armed_clash', 'ceasefire', 'ceasefire_violation', 'aid_delivery', 'diplomatic', 'other');
CREATE TYPE geo_precision AS ENUM ('exact', 'near', 'district', 'city', 'region', 'country');
CREATE TYPE record_status AS ENUM ('active', 'retracted', 'merged');
CREATE TYPE claim_status AS ENUM ('active', 'retracted');
CREATE TYPE modality AS ENUM ('asserted', 'probable', 'possible', 'denied', 'unknown');
CREATE TYPE topic AS ENUM ('casualties', 'violations', 'aid', 'responsibility', 'intent', 'position', 'situation', 'other');
CREATE TYPE link_relation AS ENUM ('contradicts', 'corroborates', 'corrects', 'responds_to', 'updates', 'restates');
CREATE TYPE measure AS ENUM ('killed', 'wounded', 'injured', 'casualties', 'violations', 'aid_units', 'strikes', 'other');
CREATE TYPE victim_group AS ENUM ('civilians', 'soldiers', 'fighters', 'people', 'unspecified');
CREATE TYPE qualifier AS ENUM ('exact', 'at_least', 'more_than', 'about', 'at_most', 'fewer_than', 'unspecified');
CREATE TYPE text_policy AS ENUM ('ship', 'quotes', 'cite');

-- Reference table (not part of the contract's main tables): country bounding boxes used by
-- the geography rules. Loaded from dataset/countries.csv.
CREATE TABLE countries (
    country VARCHAR PRIMARY KEY,          -- ISO 3166-1 alpha-3
    name VARCHAR NOT NULL,                -- English short name
    min_lat DOUBLE NOT NULL,              -- southern edge of the country's bounding box (degrees, WGS 84)
    max_lat DOUBLE NOT NULL,              -- northern edge of the bounding box
    min_lon DOUBLE NOT NULL,              -- western edge of the bounding box
    max_lon DOUBLE NOT NULL               -- eastern edge of the bounding box
);

CREATE TABLE actors (
    actor_id VARCHAR PRIMARY KEY CHECK (regexp_matches(actor_id, '^act-[a-z0-9]+(-[a-z0-9]+)*$')),         -- act-<slug>
    name VARCHAR NOT NULL UNIQUE,         -- canonical English name
    kind actor_kind NOT NULL,             -- what sort of actor (closed set)
    country VARCHAR,                      -- ISO 3166-1 alpha-3
    parent_id VARCHAR REFERENCES actors (actor_id), -- affiliation: a spokesman's ministry, a unit's army; no cycles
    role VARCHAR,                         -- the actor's role as documents describe it, e.g. Kremlin spokesman
    status record_status NOT NULL,        -- added column: active, retracted, merged
    merged_into VARCHAR REFERENCES actors (actor_id), -- the actor this one was merged into (status merged)
    notes VARCHAR                         -- curator's remarks
);

CREATE TABLE actor_aliases (
    actor_id VARCHAR NOT NULL REFERENCES actors (actor_id), -- the actor this surface form names
    alias VARCHAR NOT NULL,               -- a surface form seen in documents (unique case-insensitively, never another actor's name)
    PRIMARY KEY (actor_id, alias)
);

CREATE TABLE places (
    place_id VARCHAR PRIMARY KEY CHECK (regexp_matches(place_id, '^plc-[a-z0-9]+(-[a-z0-9]+)*$')),         -- plc-<slug>
    name VARCHAR NOT NULL,                -- canonical English name
    kind place_kind NOT NULL,             -- what sort of place (closed set)
    country VARCHAR NOT NULL,             -- ISO 3166-1 alpha-3
    parent_id VARCHAR REFERENCES places (place_id), -- the place containing this one; no cycles
    lat DOUBLE,                           -- WGS 84
    lon DOUBLE,                           -- WGS 84; required for city and below, inside the country's box
    status record_status NOT NULL,        -- added column: active, retracted, merged
    merged_into VARCHAR REFERENCES places (place_id), -- the place this one was merged into (status merged)
    notes VARCHAR                         -- curator's remarks
);

CREATE TABLE place_aliases (
    place_id VARCHAR NOT NULL REFERENCES places (place_id), -- the place this surface form names
    alias VARCHAR NOT NULL,               -- a surface form seen in documents (unique case-insensitively, never another place's name)
    PRIMARY KEY (place_id, alias)
);

CREATE TABLE documents (
    doc_id VARCHAR PRIMARY KEY CHECK (regexp_matches(doc_id, '^doc-[0-9]{4,}$')),           -- doc-NNNN
    title VARCHAR NOT NULL,               -- headline or title as published
    publisher_id VARCHAR REFERENCES actors (actor_id), -- the outlet or body that published it; NULL when unknown
    url VARCHAR,                          -- canonical address when known
    published_on DATE,                    -- publication date (the first day of its period when coarse)
    published_precision date_precision,   -- day, week, month or year
    published_basis date_basis,           -- how the date was established: stated, relative, publication, inferred
    retrieved_on DATE,                    -- when the text or page was captured
    language VARCHAR NOT NULL,            -- BCP 47
    source_kind source_kind NOT NULL,     -- news, wire, official statement, NGO report, social media, other
    text VARCHAR,                         -- NULL where not held: every cite document; quotes documents in releases
    text_sha256 VARCHAR,                  -- hex SHA-256 of text as UTF-8 (derived by the build); NULL for cite
    notes VARCHAR,                        -- curator's remarks (how a date was inferred, where a copy was found)
    licence VARCHAR NOT NULL,             -- of the text: an SPDX licence expression or LicenseRef-<id>
    text_policy text_policy NOT NULL,     -- what releases carry: ship (the text), quotes (quotes + text_sha256), cite (nothing)
    published_on_from DATE,               -- first day of published_on's period (derived by the build)
    published_on_to DATE                  -- last day of published_on's period (derived by the build)
);

CREATE TABLE incidents (
    incident_id VARCHAR PRIMARY KEY CHECK (regexp_matches(incident_id, '^inc-[0-9]{4,}$')),      -- inc-NNNN
    title VARCHAR NOT NULL,               -- short English title
    kind incident_kind NOT NULL,          -- what happened (closed set)
    start_date DATE,                      -- when it began (the first day of its period when coarse)
    end_date DATE,                        -- when it ended; NULL for a single event or an open one; never before start_date
    date_precision date_precision,        -- day, week, month or year, of both dates
    place_id VARCHAR REFERENCES places (place_id), -- where it happened, when known
    geo_precision geo_precision,          -- how precisely place_id locates it: exact, near, district, city, region, country
    summary VARCHAR,                      -- one-sentence neutral description
    status record_status NOT NULL,        -- active, retracted (turned out wrong) or merged (a duplicate)
    merged_into VARCHAR REFERENCES incidents (incident_id), -- the incident this one was merged into (status merged)
    notes VARCHAR,                        -- curator's remarks
    start_date_from DATE,                 -- first day of start_date's period (derived by the build)
    start_date_to DATE,                   -- last day of start_date's period (derived by the build)
    end_date_from DATE,                   -- first day of end_date's period (derived by the build)
    end_date_to DATE                      -- last day of end_date's period (derived by the build)
);

CREATE TABLE claims (
    claim_id VARCHAR PRIMARY KEY CHECK (regexp_matches(claim_id, '^clm-[0-9]{4,}$')),         -- clm-NNNN
    doc_id VARCHAR NOT NULL REFERENCES documents (doc_id), -- the document that reports the claim
    incident_id VARCHAR REFERENCES incidents (incident_id), -- the incident the claim is about, when it is about one
    claimant_id VARCHAR REFERENCES actors (actor_id),   -- NULL = unattributed
    claim_date DATE,                      -- when the claim was made (the first day of its period when coarse)
    claim_date_precision date_precision,  -- day, week, month or year
    claim_date_basis date_basis,          -- how the date was established: stated, relative, publication, inferred
    quote VARCHAR,                        -- the words as written; NULL for a claim of a cite document
    quote_start INTEGER,                  -- 0-based, derived by the build; NULL without a quote
    quote_end INTEGER,                    -- exclusive, derived by the build; NULL without a quote
    modality modality NOT NULL,           -- how firmly it is claimed: asserted, probable, possible, denied, unknown
    topic topic NOT NULL,                 -- what it is about: casualties, violations, aid, responsibility, intent, position, situation, other
    summary VARCHAR,                      -- one-sentence normalised paraphrase
    status claim_status NOT NULL,         -- active or retracted (a record that turned out wrong is retracted, never deleted)
    notes VARCHAR,                        -- curator's remarks (readings, corrections)
    locator VARCHAR,                      -- where in the document: 'para. 4', 'p. 2'; required for cite documents
    claim_date_from DATE,                 -- first day of claim_date's period (derived by the build)
    claim_date_to DATE                    -- last day of claim_date's period (derived by the build)
);

CREATE TABLE claim_relays (
    claim_id VARCHAR NOT NULL REFERENCES claims (claim_id), -- the relayed claim
    hop INTEGER NOT NULL,                 -- 2, 3, ... (hop 1 is the claimant)
    actor_id VARCHAR NOT NULL REFERENCES actors (actor_id), -- the actor at this hop of the chain (told the claimant, or told the one before)
    cue VARCHAR,                          -- the words that mark the relay ("told by")
    PRIMARY KEY (claim_id, hop)
);

CREATE TABLE claim_links (
    claim_id VARCHAR NOT NULL REFERENCES claims (claim_id), -- the claim the link starts from
    other_claim_id VARCHAR NOT NULL REFERENCES claims (claim_id), -- the claim it points to
    relation link_relation NOT NULL,      -- contradicts, corroborates, corrects, responds_to, updates (the same claimant revises), restates (the same statement reported again)
    PRIMARY KEY (claim_id, other_claim_id, relation)
);

CREATE TABLE figures (
    figure_id VARCHAR PRIMARY KEY CHECK (regexp_matches(figure_id, '^fig-[0-9]{4,}$')),        -- fig-NNNN
    claim_id VARCHAR NOT NULL REFERENCES claims (claim_id), -- the claim that states the number
    measure measure NOT NULL,             -- what is counted; killed, wounded, injured and casualties are the casualty measures
    victim_group victim_group,            -- for casualty measures
    party_id VARCHAR REFERENCES actors (actor_id), -- whose people they were (Syrian soldiers: the Syrian army)
    stated_text VARCHAR NOT NULL,         -- the number's words as written: at least 62, more than 100, dozens
    stated_value BIGINT,                  -- the number as written; NULL when the words give none
    qualifier qualifier NOT NULL,         -- how the number bounds the count: exact, at_least, more_than, about, at_most, fewer_than, unspecified
    value_low BIGINT,                     -- derived by the build from qualifier + stated_value
    value_high BIGINT,                    -- NULL = unbounded
    unit VARCHAR NOT NULL,                -- what one counts: people, violations, food parcels
    period_start DATE,                    -- first day of the span a count covers (302 violations since the truce began)
    period_end DATE,                      -- last day of that span; NULL when open or not exact
    notes VARCHAR                         -- curator's remarks (readings, corrections: what changed and why)
);
