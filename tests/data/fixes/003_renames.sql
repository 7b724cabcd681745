ALTER TABLE "Session" RENAME COLUMN "Token" TO "AccessToken";
ALTER TABLE "Order" RENAME CONSTRAINT "Order_Total_check" TO "Order Total Positive";
ALTER INDEX "Order_Total_idx" RENAME TO "Order Total Index";
ALTER TYPE "Mood" RENAME TO "Feeling";
ALTER TYPE "Feeling" RENAME VALUE 'Sad' TO 'Blue''s';
ALTER VIEW "ActiveSession" RENAME TO "LiveSession";
ALTER TABLE "Reading" RENAME TO "Measurement";
