# frozen_string_literal: true

# The contract loop (clients/CONTRACT.md v2): every stdin line starts its case on a Thread at
# once; each result is written whole under a Mutex; at end of input the threads are joined.
require 'json'
require 'teams_client/bench'
require 'teams_client/call'
require 'teams_client/channels'
require 'teams_client/descriptors'

module TeamsClient
  # Runs the cases of `input` against `target`, writing results to `output`.
  class Contract
    def initialize(target, rpcs: Descriptors.load, channels: Channels.new)
      @target = target
      @rpcs = rpcs
      @channels = channels
      @write_lock = Mutex.new
    end

    def serve(input, output)
      threads = []
      input.each_line.with_index(1) do |line, number|
        next if line.strip.empty?

        threads << Thread.new { answer(output, execute_line(line, number)) }
      end
      threads.each(&:join)
    end

    # The result of one stdin line (never raises).
    def execute_line(line, number)
      execute(parse_line(line))
    rescue CaseError => e
      { 'id' => "line-#{number}", 'error' => e.message }
    end

    # The case of a line; raises CaseError when it is not a JSON object with a string id.
    def parse_line(line)
      kase = JSON.parse(line)
      raise CaseError, 'request is not a JSON object' unless kase.is_a?(Hash)
      raise CaseError, 'request has no string "id"' unless kase['id'].is_a?(String) && !kase['id'].empty?

      kase
    rescue JSON::ParserError => e
      raise CaseError, "request is not JSON: #{e.message}"
    end

    private

    def execute(kase)
      call = Call.new(kase, @rpcs)
      stub = @channels[ChannelSpec.of(kase, @target)]
      return { 'id' => kase['id'], 'bench' => Bench.new(kase['bench']).run { call.run(stub) } } if kase.key?('bench')

      { 'id' => kase['id'] }.merge(call.run(stub))
    rescue CaseError, ArgumentError, TypeError => e
      { 'id' => kase['id'], 'error' => "#{e.class}: #{e.message}" }
    rescue StandardError => e # a bug here must still answer the case, not kill the process
      { 'id' => kase['id'], 'error' => "client failure: #{e.class}: #{e.message}" }
    end

    def answer(output, result)
      line = "#{JSON.generate(result)}\n"
      @write_lock.synchronize do
        output.write(line)
        output.flush
      end
    end
  end
end
