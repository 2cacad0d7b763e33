use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
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
