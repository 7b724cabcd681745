BEGIN;
ALTER TABLE "Session" ADD CONSTRAINT "Session Kind Known" CHECK ("Kind" IN ('web', 'app')) NOT VALID;
ALTER TABLE "Session" VALIDATE CONSTRAINT "Session Kind Known";
COMMIT;
