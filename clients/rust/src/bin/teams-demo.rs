//! teams-demo: only the tutorial's demo client (GetTeam for Chicago, Philadelphia and Miami),
//! against the first argument or $TEAMS_TARGET, default localhost:50051.

use std::process::ExitCode;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let target = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("TEAMS_TARGET").ok())
        .unwrap_or_else(|| "localhost:50051".into());
    match teams_client::demo::run(&target).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("teams-demo: {e}");
            ExitCode::FAILURE
        }
    }
}
