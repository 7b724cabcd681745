ALTER TABLE billing.invoices ADD CONSTRAINT invoices_amount_positive CHECK (amount > 0) NOT VALID;
ALTER TABLE accounts ADD COLUMN note text DEFAULT NULL;
CREATE SEQUENCE billing.invoice_numbers;
