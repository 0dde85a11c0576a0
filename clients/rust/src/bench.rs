//! The `bench` field: the same call `calls` times, at most `concurrency` in flight, summarised
//! as counts, wall time and latency percentiles (nearest rank) in milliseconds.

use crate::call::Call;
use crate::case::{positive_int, Bench, StatusJson};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;
use tokio::task::JoinSet;
use tonic::transport::Channel;

pub struct Plan {
    calls: u64,
    concurrency: usize,
}

impl Plan {
    pub fn prepare(bench: &Bench) -> Result<Plan, String> {
        Ok(Plan {
            calls: positive_int(&bench.calls, "bench.calls")?,
            concurrency: positive_int(&bench.concurrency, "bench.concurrency")? as usize,
        })
    }

    pub async fn run(&self, call: Arc<Call>, channel: Channel) -> Value {
        let started = Instant::now();
        let mut in_flight = JoinSet::new();
        let mut latencies = Vec::with_capacity(self.calls as usize);
        let mut errors = 0u64;
        let mut first_error: Option<StatusJson> = None;
        let mut record = |done: Result<(f64, StatusJson), _>| match done {
            Ok((ms, status)) => {
                latencies.push(ms);
                if status.code != 0 {
                    errors += 1;
                    first_error.get_or_insert(status);
                }
            }
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(StatusJson {
                    code: 2,
                    message: format!("bench task failed: {e}"),
                });
            }
        };
        for _ in 0..self.calls {
            if in_flight.len() >= self.concurrency {
                record(in_flight.join_next().await.expect("a call in flight"));
            }
            let (call, channel) = (call.clone(), channel.clone());
            in_flight.spawn(async move {
                let t = Instant::now();
                let outcome = call.run(channel).await;
                (t.elapsed().as_secs_f64() * 1000.0, outcome.status)
            });
        }
        while let Some(done) = in_flight.join_next().await {
            record(done);
        }
        let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
        latencies.sort_by(f64::total_cmp);
        let mut summary = json!({
            "calls": self.calls,
            "errors": errors,
            "wall_ms": wall_ms,
            "latency_ms": {
                "p50": percentile(&latencies, 50.0),
                "p90": percentile(&latencies, 90.0),
                "p99": percentile(&latencies, 99.0),
                "max": latencies.last().copied().unwrap_or(0.0),
            },
        });
        if let Some(e) = first_error {
            summary["first_error"] = json!(e);
        }
        summary
    }
}

/// Nearest-rank percentile of sorted values (0 for none).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 99.0), 99.0);
        assert_eq!(percentile(&[3.0], 90.0), 3.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}
