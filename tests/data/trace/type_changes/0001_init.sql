-- a table with rows, a CHECK on email, a plain index, an expression index and a
-- partial index
CREATE TABLE "app_user" ("id" bigint PRIMARY KEY, "name" varchar(100) NOT NULL, "email" text NOT NULL CONSTRAINT "email_nonempty" CHECK ("email" <> ''), "bio" varchar(50), "seen" timestamptz, "at" timestamp(3), "dur" interval, "amount" numeric(10,2), "flags" bit varying(5), "t" time(2), "tz" timetz, "code" bit(5), "n" int, "ts" timestamp);
CREATE INDEX "app_user_email" ON "app_user" ("email");
CREATE INDEX "app_user_name_lower" ON "app_user" (lower("name"));
CREATE INDEX "app_user_bio" ON "app_user" ("bio") WHERE "bio" IS NOT NULL;
CREATE INDEX "app_user_seen" ON "app_user" ("seen");
CREATE INDEX "app_user_code" ON "app_user" ("code");
CREATE INDEX "app_user_n" ON "app_user" ("n");
CREATE INDEX "app_user_ts" ON "app_user" ("ts");
INSERT INTO "app_user" VALUES (1, 'a', 'a@b', 'x', now(), now(), '1 day', 1.5, B'101', '10:00', '10:00+02', B'10101', 3, now());
