CREATE EXTENSION IF NOT EXISTS citext;
CREATE TABLE "app_user" ("id" bigint PRIMARY KEY, "email" text NOT NULL CONSTRAINT "email_nonempty" CHECK ("email" <> ''), "login" varchar(40));
CREATE INDEX "app_user_email" ON "app_user" ("email");
CREATE INDEX "app_user_login" ON "app_user" ("login");
INSERT INTO "app_user" VALUES (1, 'a@b', 'a');
