-- newsclaims data contract v1: the DDL of every table (described in docs/codebook.md).
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
CREATE TYPE link_relation AS ENUM ('contradicts', 'corroborates', 'corrects', 'responds_to');
CREATE TYPE measure AS ENUM ('killed', 'wounded', 'injured', 'casualties', 'violations', 'aid_units', 'strikes', 'other');
CREATE TYPE victim_group AS ENUM ('civilians', 'soldiers', 'fighters', 'people', 'unspecified');
CREATE TYPE qualifier AS ENUM ('exact', 'at_least', 'more_than', 'about', 'at_most', 'fewer_than', 'unspecified');

-- Reference table (not part of the contract's main tables): country bounding boxes used by
-- the geography rules. Loaded from dataset/countries.csv.
CREATE TABLE countries (
    country VARCHAR PRIMARY KEY,          -- ISO 3166-1 alpha-3
    name VARCHAR NOT NULL,
    min_lat DOUBLE NOT NULL,
    max_lat DOUBLE NOT NULL,
    min_lon DOUBLE NOT NULL,
    max_lon DOUBLE NOT NULL
);

CREATE TABLE actors (
    actor_id VARCHAR PRIMARY KEY CHECK (regexp_matches(actor_id, '^act-[a-z0-9]+(-[a-z0-9]+)*$')),         -- act-<slug>
    name VARCHAR NOT NULL UNIQUE,         -- canonical English name
    kind actor_kind NOT NULL,
    country VARCHAR,                      -- ISO 3166-1 alpha-3
    parent_id VARCHAR REFERENCES actors (actor_id),
    role VARCHAR,
    status record_status NOT NULL,        -- added column: active, retracted, merged
    merged_into VARCHAR REFERENCES actors (actor_id),
    notes VARCHAR
);

CREATE TABLE actor_aliases (
    actor_id VARCHAR NOT NULL REFERENCES actors (actor_id),
    alias VARCHAR NOT NULL,
    PRIMARY KEY (actor_id, alias)
);

CREATE TABLE places (
    place_id VARCHAR PRIMARY KEY CHECK (regexp_matches(place_id, '^plc-[a-z0-9]+(-[a-z0-9]+)*$')),         -- plc-<slug>
    name VARCHAR NOT NULL,
    kind place_kind NOT NULL,
    country VARCHAR NOT NULL,             -- ISO 3166-1 alpha-3
    parent_id VARCHAR REFERENCES places (place_id),
    lat DOUBLE,                           -- WGS 84
    lon DOUBLE,
    status record_status NOT NULL,        -- added column: active, retracted, merged
    merged_into VARCHAR REFERENCES places (place_id),
    notes VARCHAR
);

CREATE TABLE place_aliases (
    place_id VARCHAR NOT NULL REFERENCES places (place_id),
    alias VARCHAR NOT NULL,
    PRIMARY KEY (place_id, alias)
);

CREATE TABLE documents (
    doc_id VARCHAR PRIMARY KEY CHECK (regexp_matches(doc_id, '^doc-[0-9]{4,}$')),           -- doc-NNNN
    title VARCHAR NOT NULL,
    publisher_id VARCHAR REFERENCES actors (actor_id),
    url VARCHAR,
    published_on DATE,
    published_precision date_precision,
    published_basis date_basis,
    retrieved_on DATE,
    language VARCHAR NOT NULL,            -- BCP 47
    source_kind source_kind NOT NULL,
    text VARCHAR NOT NULL,
    text_sha256 VARCHAR NOT NULL,         -- hex SHA-256 of text as UTF-8 (derived by the build)
    notes VARCHAR
);

CREATE TABLE incidents (
    incident_id VARCHAR PRIMARY KEY CHECK (regexp_matches(incident_id, '^inc-[0-9]{4,}$')),      -- inc-NNNN
    title VARCHAR NOT NULL,
    kind incident_kind NOT NULL,
    start_date DATE,
    end_date DATE,
    date_precision date_precision,
    place_id VARCHAR REFERENCES places (place_id),
    geo_precision geo_precision,
    summary VARCHAR,
    status record_status NOT NULL,
    merged_into VARCHAR REFERENCES incidents (incident_id),
    notes VARCHAR
);

CREATE TABLE claims (
    claim_id VARCHAR PRIMARY KEY CHECK (regexp_matches(claim_id, '^clm-[0-9]{4,}$')),         -- clm-NNNN
    doc_id VARCHAR NOT NULL REFERENCES documents (doc_id),
    incident_id VARCHAR REFERENCES incidents (incident_id),
    claimant_id VARCHAR REFERENCES actors (actor_id),   -- NULL = unattributed
    claim_date DATE,
    claim_date_precision date_precision,
    claim_date_basis date_basis,
    quote VARCHAR NOT NULL,
    quote_start INTEGER NOT NULL,         -- 0-based, derived by the build
    quote_end INTEGER NOT NULL,           -- exclusive, derived by the build
    modality modality NOT NULL,
    topic topic NOT NULL,
    summary VARCHAR,
    status claim_status NOT NULL,
    notes VARCHAR
);

CREATE TABLE claim_relays (
    claim_id VARCHAR NOT NULL REFERENCES claims (claim_id),
    hop INTEGER NOT NULL,                 -- 2, 3, ... (hop 1 is the claimant)
    actor_id VARCHAR NOT NULL REFERENCES actors (actor_id),
    cue VARCHAR,                          -- the words that mark the relay ("told by")
    PRIMARY KEY (claim_id, hop)
);

CREATE TABLE claim_links (
    claim_id VARCHAR NOT NULL REFERENCES claims (claim_id),
    other_claim_id VARCHAR NOT NULL REFERENCES claims (claim_id),
    relation link_relation NOT NULL,
    PRIMARY KEY (claim_id, other_claim_id, relation)
);

CREATE TABLE figures (
    figure_id VARCHAR PRIMARY KEY CHECK (regexp_matches(figure_id, '^fig-[0-9]{4,}$')),        -- fig-NNNN
    claim_id VARCHAR NOT NULL REFERENCES claims (claim_id),
    measure measure NOT NULL,
    victim_group victim_group,            -- for casualty measures
    party_id VARCHAR REFERENCES actors (actor_id),
    stated_text VARCHAR NOT NULL,
    stated_value BIGINT,
    qualifier qualifier NOT NULL,
    value_low BIGINT,                     -- derived by the build from qualifier + stated_value
    value_high BIGINT,                    -- NULL = unbounded
    unit VARCHAR NOT NULL,
    period_start DATE,
    period_end DATE,
    notes VARCHAR
);
