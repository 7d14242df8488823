// sqlx::migrate!() embeds migrations/ at compile time; without this, adding a migration file
// would not rebuild the binary that should carry it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    // The release binary embeds target/release-site (feature embed-site). rust-embed's include_bytes!
    // rebuilds it when an embedded file changes, not when one is added or removed: watch the
    // folder too.
    if std::env::var_os("CARGO_FEATURE_EMBED_SITE").is_some() {
        println!("cargo:rerun-if-changed=target/release-site");
    }
}
