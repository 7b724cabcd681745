ALTER TABLE "app_user" ALTER COLUMN "email" TYPE citext;
ALTER TABLE "app_user" ALTER COLUMN "email" TYPE text;
ALTER TABLE "app_user" ALTER COLUMN "email" TYPE public.citext;
ALTER TABLE "app_user" ALTER COLUMN "email" TYPE varchar;
ALTER TABLE "app_user" ALTER COLUMN "login" TYPE citext;
ALTER TABLE "app_user" ALTER COLUMN "login" TYPE varchar(20);
