-- The schema rotation 0.1.0 (commit a0ffe75) created on postgresql: what its
-- SQLModel.metadata.create_all emitted, statement by statement. tests/test_migrations.py
-- builds a database of the first released version from it.
CREATE TABLE calendar_event (
	id SERIAL NOT NULL, 
	feed VARCHAR NOT NULL, 
	uid VARCHAR NOT NULL, 
	content_hash VARCHAR NOT NULL, 
	body_json TEXT NOT NULL, 
	sequence INTEGER NOT NULL, 
	cancelled BOOLEAN NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	last_modified TIMESTAMP WITH TIME ZONE NOT NULL, 
	cancelled_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id), 
	UNIQUE (feed, uid)
);
CREATE INDEX ix_calendar_event_feed ON calendar_event (feed);
CREATE TABLE calendar_feed (
	feed VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	changed_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (feed)
);
CREATE TABLE calendar_key (
	id INTEGER NOT NULL, 
	secret VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE feed_token (
	id SERIAL NOT NULL, 
	token_hash VARCHAR NOT NULL, 
	case_name VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	subject VARCHAR NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	revoked_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_feed_token_token_hash ON feed_token (token_hash);
CREATE TABLE plan (
	id SERIAL NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	case_name VARCHAR NOT NULL, 
	input_hash VARCHAR NOT NULL, 
	input_json TEXT NOT NULL, 
	parameters_json VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	objective INTEGER, 
	bound INTEGER, 
	wall_time FLOAT NOT NULL, 
	stopped VARCHAR NOT NULL, 
	cost_by_rule_json VARCHAR NOT NULL, 
	unmet_json TEXT NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_plan_input_hash ON plan (input_hash);
CREATE TABLE deployment (
	id SERIAL NOT NULL, 
	plan_id INTEGER NOT NULL, 
	officer_id VARCHAR NOT NULL, 
	posting_id VARCHAR NOT NULL, 
	start DATE NOT NULL, 
	"end" DATE NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(plan_id) REFERENCES plan (id)
);
CREATE INDEX ix_deployment_plan_id ON deployment (plan_id);
CREATE TABLE enrolment (
	id SERIAL NOT NULL, 
	plan_id INTEGER NOT NULL, 
	officer_id VARCHAR NOT NULL, 
	course_id VARCHAR NOT NULL, 
	session_id VARCHAR NOT NULL, 
	start DATE NOT NULL, 
	"end" DATE NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(plan_id) REFERENCES plan (id)
);
CREATE INDEX ix_enrolment_plan_id ON enrolment (plan_id);
