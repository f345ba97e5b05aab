-- The pilot's databases, one per service (each service owns its own; deploy/compose.yaml).
-- Run once by the postgres image when its data volume is new; the owner is POSTGRES_USER.
CREATE DATABASE intake;
CREATE DATABASE routing;
CREATE DATABASE workorders;
CREATE DATABASE notifications;
CREATE DATABASE metrics;
