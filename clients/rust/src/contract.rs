//! The contract loop: read stdin line by line, start every case as its own tokio task the moment
//! its line is read, and write each result as one whole line through a single writer task. At
//! end of input, wait for the cases in flight, flush, and return.

use crate::bench::Plan;
use crate::call::Call;
use crate::case::{parse_line, Case, CaseResult, Rejected};
use crate::channels::Channels;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

pub async fn serve(default_target: String) -> std::io::Result<()> {
    let channels = Arc::new(Channels::default());
    let default_target = Arc::new(default_target);
    let (results, mut pending) = mpsc::unbounded_channel::<CaseResult>();
    let writer = tokio::spawn(async move {
        let mut stdout = tokio::io::stdout();
        while let Some(result) = pending.recv().await {
            let mut line = serde_json::to_vec(&result).expect("results always serialise");
            line.push(b'\n');
            stdout.write_all(&line).await?;
            stdout.flush().await?;
        }
        Ok::<_, std::io::Error>(())
    });

    let mut cases = JoinSet::new();
    let mut stdin = BufReader::new(tokio::io::stdin());
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        buf.clear();
        if stdin.read_until(b'\n', &mut buf).await? == 0 {
            break;
        }
        n += 1;
        // Bytes, not `lines()`: a line that is not UTF-8 is a bad line, not the end of the run.
        let line = String::from_utf8(std::mem::take(&mut buf));
        if line.as_ref().is_ok_and(|l| l.trim().is_empty()) {
            continue;
        }
        let (channels, default_target, results) =
            (channels.clone(), default_target.clone(), results.clone());
        cases.spawn(async move {
            let parsed = line
                .map_err(|_| Rejected {
                    id: format!("line-{n}"),
                    error: "bad case request: not UTF-8".into(),
                })
                .and_then(|line| parse_line(&line, n));
            let result = match parsed {
                Ok(case) => execute(case, &channels, &default_target).await,
                Err(rejected) => CaseResult::error(rejected.id, rejected.error),
            };
            let _ = results.send(result);
        });
        // Reap finished tasks as we go, so a long run does not keep them all.
        while cases.try_join_next().is_some() {}
    }
    while let Some(done) = cases.join_next().await {
        if let Err(e) = done {
            eprintln!("teams-client: a case task failed: {e}");
        }
    }
    drop(results);
    writer.await.expect("writer task")
}

/// Runs one parsed case; everything that stops it from running is an `error` result.
async fn execute(case: Case, channels: &Channels, default_target: &str) -> CaseResult {
    let prepared = Call::prepare(&case).and_then(|call| {
        let target = case.target.as_deref().unwrap_or(default_target);
        let channel = channels.get(target, case.tls.as_ref())?;
        let plan = case.bench.as_ref().map(Plan::prepare).transpose()?;
        Ok((call, channel, plan))
    });
    match prepared {
        Err(error) => CaseResult::error(case.id, error),
        Ok((call, channel, None)) => call.run(channel).await.into_result(case.id),
        Ok((call, channel, Some(plan))) => CaseResult {
            id: case.id,
            bench: Some(plan.run(Arc::new(call), channel).await),
            ..Default::default()
        },
    }
}
