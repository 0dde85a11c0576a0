//! teams-client: the tutorial's demo client, or with --contract the interop contract executor
//! (clients/CONTRACT.md): case requests as JSON lines on stdin, one result line each on stdout.

use std::process::ExitCode;

const USAGE: &str = "usage: teams-client [--target HOST:PORT] [--contract]";

#[tokio::main]
async fn main() -> ExitCode {
    let mut target = std::env::var("TEAMS_TARGET").unwrap_or_else(|_| "localhost:50051".into());
    let mut contract = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--contract" => contract = true,
            "--target" => match args.next() {
                Some(t) => target = t,
                None => return usage("--target needs HOST:PORT"),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => match arg.strip_prefix("--target=") {
                Some(t) => target = t.to_owned(),
                None => return usage(&format!("unknown argument {arg:?}")),
            },
        }
    }
    if contract {
        if let Err(e) = teams_client::contract::serve(target).await {
            eprintln!("teams-client: {e}");
            return ExitCode::FAILURE;
        }
        // Every result is written: exit now rather than wait for idle connections to close.
        std::process::exit(0);
    }
    match teams_client::demo::run(&target).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("teams-client: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("teams-client: {problem}\n{USAGE}");
    ExitCode::from(2)
}
