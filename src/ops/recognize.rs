//! A recognizer over sqlparser's token stream for forms sqlparser rejects. (placeholder)

use super::Operation;

pub fn recognize(_sql: &str) -> Option<Operation> {
    None
}
