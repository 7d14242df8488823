// See Cargo.toml: glibc's malloc was a sixth of the server's CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    return_memory_promptly();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts");
    // Logging starts inside `run`, once the settings (including the log format) are known.
    match runtime.block_on(helpdesk::server::cli::run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// mimalloc keeps freed memory for 10 s by default: RSS was 90 MB for 10 s after three
/// sign-ins (argon2 takes 19 MB each), 17 MB when freed pages are purged at once.
/// (Its arenas' transparent huge pages, another 8 MB at start, are off in Cargo.toml.)
#[allow(unsafe_code)]
fn return_memory_promptly() {
    // Indices in mimalloc v3's `mi_option_t` (include/mimalloc.h; the crate names only a few).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: a plain setter of one of mimalloc's global options, read whenever freed
    // memory is purged; any value is valid.
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 0) };
    }
}
