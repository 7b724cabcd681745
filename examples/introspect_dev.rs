//! Development aid: introspect a database and print the catalog as JSON.
//! usage: cargo run --example introspect_dev -- "postgres:///postgres?host=/tmp/pgdev&port=54329"
use schemaguard::live::{self, ConnectOptions};

fn main() {
    let url = std::env::args().nth(1);
    let result = ConnectOptions::from_env_and_url(url.as_deref())
        .and_then(|opts| live::connect(&opts))
        .and_then(|mut session| {
            let started = std::time::Instant::now();
            let i = live::introspect::introspect(&mut session)?;
            eprintln!(
                "server {} in {} queries, {:?}",
                i.server_version_num,
                i.queries,
                started.elapsed()
            );
            Ok(i)
        });
    match result {
        Ok(i) => println!(
            "{}",
            serde_json::to_string_pretty(&i.catalog).unwrap_or_default()
        ),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    }
}
