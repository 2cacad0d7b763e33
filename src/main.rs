use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = roster::cli::Cli::parse();
    roster::cli::init_tracing();
    match roster::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
