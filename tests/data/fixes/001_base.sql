-- Names that only exist quoted: every fix schemaguard prints for the later files must
-- spell them quoted (tests/fixes_run.rs runs each fix on PostgreSQL).
CREATE TABLE "Account" (
    id bigint PRIMARY KEY,
    "Email" varchar(200),
    "createdAt" timestamp
);
CREATE TABLE "Session" (
    id bigint PRIMARY KEY,
    "userId" bigint,
    "Token" text,
    "Kind" text DEFAULT 'web' NOT NULL
);
CREATE TABLE "Order" (id bigint PRIMARY KEY, "accountId" bigint, "Total" integer);
CREATE INDEX "Session_Token_idx" ON "Session" ("Token");
CREATE TABLE "Event" (id bigint, "At" date NOT NULL) PARTITION BY RANGE ("At");
CREATE TABLE "Event_2024" (id bigint, "At" date NOT NULL);
CREATE TYPE "Mood" AS ENUM ('ok', 'Sad');
CREATE TABLE "Reading" (id bigint PRIMARY KEY, "Mood" "Mood");
CREATE DOMAIN "Positive" AS integer CHECK (VALUE > 0);
CREATE VIEW "ActiveSession" AS SELECT * FROM "Session";
INSERT INTO "Account" VALUES (1, 'a@example.com', now());
