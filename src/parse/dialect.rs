//! The dialect a statement is first parsed with: PostgreSQL's, except that it fails a
//! data type that does not start with a word at once, without an error message.
//!
//! sqlparser tries a data type before every expression (for typed strings such as
//! `DATE '2024-01-01'`), and each expression that starts with a number, a string, a
//! parenthesis or an operator fails that attempt with `Expected: a data type name,
//! found: ...`, formatted and thrown away: 44,000 messages on the 10,000-file history
//! bench, 1.3% of `check`'s instructions. sqlparser's own rule is the same (its data
//! type parser takes nothing but a word first), and it looks at no error but to tell
//! success from failure (and a recursion limit, which comes before this hook). So the
//! statement parses to the same tree or fails alike; only the message of a failure is
//! empty, and a failure is parsed again with [`PostgreSqlDialect`] for the message the
//! user sees (see `parse_statement`).
//!
//! Everything else is [`PostgreSqlDialect`]'s: its [`Dialect::dialect`] (sqlparser tells
//! dialects apart by it), and every method it overrides, delegated below.
//! `unlocated_parses_as_postgres` compares the two dialects' trees over every sample
//! and test statement (and the corpus, when `../shared` is there), so a method added to
//! PostgreSQL's dialect by a sqlparser upgrade and not delegated here shows.

use sqlparser::ast::DataType;
use sqlparser::dialect::{BindPlaceholderStyle, Dialect, PostgreSqlDialect, Precedence};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;
use std::any::TypeId;

const PG: PostgreSqlDialect = PostgreSqlDialect {};

/// [`PostgreSqlDialect`], with a data type that cannot start failed without a message.
#[derive(Debug)]
pub struct Unlocated;

impl Dialect for Unlocated {
    fn dialect(&self) -> TypeId {
        PG.dialect()
    }

    fn parse_data_type(&self, parser: &mut Parser) -> Option<Result<DataType, ParserError>> {
        match parser.peek_token_ref().token {
            // sqlparser's own parser, which takes nothing else first
            Token::Word(_) => None,
            _ => Some(Err(ParserError::ParserError(String::new()))),
        }
    }

    fn supports_cte_materialization(&self) -> bool {
        PG.supports_cte_materialization()
    }

    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        PG.identifier_quote_style(identifier)
    }

    fn ordered_bind_placeholder_style(&self) -> Option<BindPlaceholderStyle> {
        PG.ordered_bind_placeholder_style()
    }

    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        PG.is_delimited_identifier_start(ch)
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        PG.is_identifier_start(ch)
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        PG.is_identifier_part(ch)
    }

    fn supports_unicode_string_literal(&self) -> bool {
        PG.supports_unicode_string_literal()
    }

    fn is_reserved_for_identifier(&self, kw: Keyword) -> bool {
        PG.is_reserved_for_identifier(kw)
    }

    fn is_table_alias(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        PG.is_table_alias(kw, parser)
    }

    fn supports_string_literal_column_alias(&self, explicit: bool) -> bool {
        PG.supports_string_literal_column_alias(explicit)
    }

    fn supports_string_literal_table_alias(&self, explicit: bool) -> bool {
        PG.supports_string_literal_table_alias(explicit)
    }

    fn is_custom_operator_part(&self, ch: char) -> bool {
        PG.is_custom_operator_part(ch)
    }

    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        PG.get_next_precedence(parser)
    }

    fn supports_filter_during_aggregation(&self) -> bool {
        PG.supports_filter_during_aggregation()
    }

    fn supports_group_by_expr(&self) -> bool {
        PG.supports_group_by_expr()
    }

    fn supports_drop_group(&self) -> bool {
        PG.supports_drop_group()
    }

    fn supports_alter_user_as_alter_role(&self) -> bool {
        PG.supports_alter_user_as_alter_role()
    }

    fn supports_create_group(&self) -> bool {
        PG.supports_create_group()
    }

    fn supports_create_role_if_not_exists(&self) -> bool {
        PG.supports_create_role_if_not_exists()
    }

    fn prec_value(&self, prec: Precedence) -> u8 {
        PG.prec_value(prec)
    }

    fn allow_extract_custom(&self) -> bool {
        PG.allow_extract_custom()
    }

    fn allow_extract_single_quotes(&self) -> bool {
        PG.allow_extract_single_quotes()
    }

    fn supports_create_index_with_clause(&self) -> bool {
        PG.supports_create_index_with_clause()
    }

    fn supports_sql_option_without_value(&self) -> bool {
        PG.supports_sql_option_without_value()
    }

    fn supports_explain_with_utility_options(&self) -> bool {
        PG.supports_explain_with_utility_options()
    }

    fn supports_listen_notify(&self) -> bool {
        PG.supports_listen_notify()
    }

    fn supports_exclude_constraint(&self) -> bool {
        PG.supports_exclude_constraint()
    }

    fn supports_factorial_operator(&self) -> bool {
        PG.supports_factorial_operator()
    }

    fn supports_bitwise_shift_operators(&self) -> bool {
        PG.supports_bitwise_shift_operators()
    }

    fn supports_tilde_like_match_operator(&self) -> bool {
        PG.supports_tilde_like_match_operator()
    }

    fn supports_comparison_in_between_low_bound(&self) -> bool {
        PG.supports_comparison_in_between_low_bound()
    }

    fn supports_comment_on(&self) -> bool {
        PG.supports_comment_on()
    }

    fn supports_load_extension(&self) -> bool {
        PG.supports_load_extension()
    }

    fn supports_named_fn_args_with_colon_operator(&self) -> bool {
        PG.supports_named_fn_args_with_colon_operator()
    }

    fn supports_named_fn_args_with_expr_name(&self) -> bool {
        PG.supports_named_fn_args_with_expr_name()
    }

    fn supports_named_fn_args_with_assignment_operator(&self) -> bool {
        PG.supports_named_fn_args_with_assignment_operator()
    }

    fn supports_empty_projections(&self) -> bool {
        PG.supports_empty_projections()
    }

    fn supports_nested_comments(&self) -> bool {
        PG.supports_nested_comments()
    }

    fn supports_copy_from_stdin_data(&self) -> bool {
        PG.supports_copy_from_stdin_data()
    }

    fn supports_string_escape_constant(&self) -> bool {
        PG.supports_string_escape_constant()
    }

    fn supports_numeric_literal_underscores(&self) -> bool {
        PG.supports_numeric_literal_underscores()
    }

    fn supports_non_decimal_integer_literals(&self) -> bool {
        PG.supports_non_decimal_integer_literals()
    }

    fn supports_array_typedef_with_brackets(&self) -> bool {
        PG.supports_array_typedef_with_brackets()
    }

    fn supports_geometric_types(&self) -> bool {
        PG.supports_geometric_types()
    }

    fn supports_order_by_using_operator(&self) -> bool {
        PG.supports_order_by_using_operator()
    }

    fn supports_set_names(&self) -> bool {
        PG.supports_set_names()
    }

    fn supports_alter_column_type_using(&self) -> bool {
        PG.supports_alter_column_type_using()
    }

    fn supports_left_associative_joins_without_parens(&self) -> bool {
        PG.supports_left_associative_joins_without_parens()
    }

    fn supports_notnull_operator(&self) -> bool {
        PG.supports_notnull_operator()
    }

    fn supports_interval_options(&self) -> bool {
        PG.supports_interval_options()
    }

    fn is_interval_qualifier(&self, kw: Keyword) -> bool {
        PG.is_interval_qualifier(kw)
    }

    fn supports_insert_table_alias(&self) -> bool {
        PG.supports_insert_table_alias()
    }

    fn supports_create_table_like_parenthesized(&self) -> bool {
        PG.supports_create_table_like_parenthesized()
    }

    fn supports_select_wildcard_with_alias(&self) -> bool {
        PG.supports_select_wildcard_with_alias()
    }

    fn supports_comma_separated_trim(&self) -> bool {
        PG.supports_comma_separated_trim()
    }

    fn supports_xml_expressions(&self) -> bool {
        PG.supports_xml_expressions()
    }

    fn is_custom_type_typed_string(&self, first_keyword: Keyword, qualified: bool) -> bool {
        PG.is_custom_type_typed_string(first_keyword, qualified)
    }

    fn supports_aliased_function_args(&self) -> bool {
        PG.supports_aliased_function_args()
    }

    fn supports_comment_optimizer_hint(&self) -> bool {
        PG.supports_comment_optimizer_hint()
    }

    fn supports_add_column_if_not_exists(&self) -> bool {
        PG.supports_add_column_if_not_exists()
    }

    fn supports_attach_partition_of(&self) -> bool {
        PG.supports_attach_partition_of()
    }

    fn supports_detach_partition_of(&self) -> bool {
        PG.supports_detach_partition_of()
    }

    fn supports_table_inheritance_markers(&self) -> bool {
        PG.supports_table_inheritance_markers()
    }

    fn supports_column_generic_options(&self) -> bool {
        PG.supports_column_generic_options()
    }
}
