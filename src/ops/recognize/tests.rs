use super::recognize;
use crate::ops::*;

fn rec(sql: &str) -> Operation {
    recognize(sql).unwrap_or_else(|| panic!("not recognised: {sql}"))
}

#[test]
fn unknown_statement_is_not_recognised() {
    assert_eq!(recognize("FROBNICATE the table"), None);
}
