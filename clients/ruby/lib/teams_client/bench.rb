# frozen_string_literal: true

# The `bench` field: `calls` calls of one case, at most `concurrency` in flight (that many
# threads taking call numbers from a shared counter), reported as counts and latency percentiles.
module TeamsClient
  # Runs a case's calls and summarises them.
  class Bench
    def initialize(bench)
      raise CaseError, '"bench" must be an object {calls, concurrency}' unless bench.is_a?(Hash)
      raise CaseError, '"bench" needs "calls" and "concurrency"' unless bench.key?('calls') && bench.key?('concurrency')

      @calls = TeamsClient.integer_field(bench, 'calls')
      @concurrency = TeamsClient.integer_field(bench, 'concurrency')
    end

    # Yields once per call; the block returns the call's result (with a 'status').
    def run
      latencies = []
      errors = []
      lock = Mutex.new
      remaining = @calls
      started = now
      workers = Array.new([@concurrency, @calls].min) do
        Thread.new do
          while lock.synchronize { (remaining -= 1) >= 0 }
            t0 = now
            status = yield['status']
            lock.synchronize do
              latencies << (now - t0)
              errors << status unless status['code'].zero?
            end
          end
        end
      end
      workers.each(&:join)
      summary(latencies, errors, now - started)
    end

    # Nearest-rank percentiles (the same definition in every reference client).
    def self.percentiles(latencies)
      ordered = latencies.empty? ? [0.0] : latencies.sort
      rank = ->(p) { ordered[[0, ((p * ordered.size) + 99) / 100 - 1].max] }
      { 'p50' => rank.call(50), 'p90' => rank.call(90), 'p99' => rank.call(99), 'max' => ordered.last }
    end

    private

    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC, :float_millisecond)
    end

    def summary(latencies, errors, wall_ms)
      result = { 'calls' => latencies.size, 'errors' => errors.size, 'wall_ms' => wall_ms,
                 'latency_ms' => Bench.percentiles(latencies) }
      result['first_error'] = errors.first unless errors.empty?
      result
    end
  end
end
