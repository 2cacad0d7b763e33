use clap::Parser;

/// mimalloc instead of glibc's malloc: a page of 100 rows allocates and frees a few thousand
/// strings (rows, JSON), and glibc's malloc/free/consolidate were a fifth of the CPU of a
/// page call under load (BENCHMARKS.md, issue 13).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // every file Roster creates (the database and its -wal/-shm, keys, credentials, export
    // files) is its owner's alone: they hold personal data, password hashes and secrets
    // SAFETY: umask only sets the process's file mode mask; it cannot fail
    unsafe {
        libc::umask(0o077);
    }
    let cli = roster::cli::Cli::parse();
    roster::cli::init_tracing();
    match roster::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // the operator may see what a client is not shown
            match e.downcast_ref::<roster::core::Error>() {
                Some(roster::core::Error::Internal(detail))
                | Some(roster::core::Error::Unavailable(detail)) => {
                    eprintln!("error: {e}: {detail}")
                }
                _ => eprintln!("error: {e:#}"),
            }
            std::process::ExitCode::FAILURE
        }
    }
}
