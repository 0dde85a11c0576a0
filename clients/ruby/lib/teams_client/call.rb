# frozen_string_literal: true

# One case (clients/CONTRACT.md): its RPC, request messages and call options, checked up front,
# then run through GRPC::ClientStub's generic calls (request_response, client_streamer,
# server_streamer, bidi_streamer) with the message classes' encode/decode.
require 'base64'
require 'json'
require 'grpc'

module TeamsClient
  # A case that cannot be run at all: answered with `error`, never with a gRPC status.
  class CaseError < StandardError; end

  # Reads an optional integer field that must be >= minimum.
  def self.integer_field(hash, key, minimum: 1)
    value = hash[key]
    return nil if value.nil?
    raise CaseError, "#{key} must be an integer >= #{minimum}, got #{value.inspect}" unless value.is_a?(Integer) && value >= minimum

    value
  end

  # Request metadata for grpc: key => [values], -bin values decoded from padded base64.
  def self.to_grpc_metadata(metadata)
    raise CaseError, '"metadata" must be an object of lists of strings' unless metadata.is_a?(Hash)

    metadata.to_h do |key, values|
      raise CaseError, "metadata #{key}: values must be a list of strings" unless values.is_a?(Array) && values.all?(String)

      [key, key.end_with?('-bin') ? values.map { |v| decode_base64(key, v) } : values]
    end
  end

  def self.decode_base64(key, value)
    Base64.strict_decode64(value)
  rescue ArgumentError
    raise CaseError, "metadata #{key}: #{value.inspect} is not padded base64"
  end

  # Received metadata for the result: key => [values], -bin values base64-encoded.
  def self.from_grpc_metadata(metadata)
    (metadata || {}).to_h do |key, value|
      values = Array(value).map { |v| key.end_with?('-bin') ? Base64.strict_encode64(v) : v }
      [key, values]
    end
  end

  # The call of one case.
  class Call
    def initialize(kase, rpcs)
      method = kase['method']
      raise CaseError, '"method" must be a string "Service/Method"' unless method.is_a?(String)

      @rpc = rpcs[method] or raise CaseError, "unknown method #{method.inspect}"
      requests = kase['requests']
      raise CaseError, '"requests" must be a list of messages' unless requests.is_a?(Array)

      @requests = requests.map { |r| parse_message(r) }
      if !@rpc.client_streaming && @requests.size != 1
        raise CaseError, "#{method} takes exactly one request, got #{@requests.size}"
      end

      @metadata = TeamsClient.to_grpc_metadata(kase.fetch('metadata', {}))
      @timeout_ms = TeamsClient.integer_field(kase, 'timeout_ms')
      @cancel_after = TeamsClient.integer_field(kase, 'cancel_after_responses', minimum: 0)
      @path = kase.fetch('path', @rpc.path)
      raise CaseError, '"path" must be a string starting with "/"' unless @path.is_a?(String) && @path.start_with?('/')
    end

    # Makes the call; returns status, responses and metadata as the contract's result fields.
    def run(stub)
      responses = []
      op = start(stub)
      op.cancel if @cancel_after&.zero?
      begin
        receive(op, responses)
        status = op.status
        code = status&.code || GRPC::Core::StatusCodes::OK
        message = status&.details || ''
        trailing = op.trailing_metadata
      rescue GRPC::BadStatus => e
        code, message, trailing = e.code, e.details, e.metadata
      rescue GRPC::Core::CallError => e # an operation on a call cancelled before it started
        code, message, trailing = GRPC::Core::StatusCodes::CANCELLED, e.message, {}
      end
      {
        'status' => { 'code' => code, 'message' => message.to_s },
        'responses' => responses.map { |r| JSON.parse(r.class.encode_json(r)) },
        'initial_metadata' => TeamsClient.from_grpc_metadata(op.metadata),
        'trailing_metadata' => TeamsClient.from_grpc_metadata(trailing)
      }
    end

    private

    def parse_message(json)
      @rpc.request_class.decode_json(JSON.generate(json))
    rescue Google::Protobuf::ParseError, JSON::GeneratorError => e
      raise CaseError, "request does not match #{@rpc.request_class.descriptor.name}: #{e.message}"
    end

    # Starts the call without running it: an Operation we can cancel and read metadata from.
    def start(stub)
      marshal = ->(m) { m.class.encode(m) }
      unmarshal = @rpc.response_class.method(:decode)
      options = { return_op: true, metadata: @metadata,
                  deadline: @timeout_ms && Time.now + (@timeout_ms / 1000.0) }
      argument = @rpc.client_streaming ? @requests.each : @requests.first
      kind = { [false, false] => :request_response, [true, false] => :client_streamer,
               [false, true] => :server_streamer, [true, true] => :bidi_streamer }
      stub.public_send(kind[[@rpc.client_streaming, @rpc.server_streaming]], @path, argument, marshal, unmarshal,
                       **options)
    end

    # Runs the call, appending the responses; cancels after @cancel_after of them.
    def receive(op, responses)
      unless @rpc.server_streaming
        response = op.execute
        responses << response unless response.nil? # a unary call ended OK without a message
        return
      end
      cancelled = @cancel_after&.zero?
      op.execute.each do |response| # after a cancel, drain to the status (CANCELLED)
        next if cancelled

        responses << response
        cancelled = @cancel_after && responses.size >= @cancel_after
        op.cancel if cancelled
      end
    end
  end
end
