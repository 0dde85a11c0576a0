# frozen_string_literal: true

# One GRPC::ClientStub (one channel) per distinct (target, tls, compression) of the cases, shared
# across them. Cases run on concurrent threads, so the cache is locked.
require 'grpc'

module TeamsClient
  # The channel a case asks for; raises ArgumentError when its fields are malformed.
  ChannelSpec = Struct.new(:target, :tls, :compression) do
    TLS_FIELDS = %w[ca_pem server_name client_cert_pem client_key_pem].freeze

    def self.of(kase, default_target)
      target = kase.fetch('target', default_target)
      raise ArgumentError, '"target" must be a non-empty string host:port' unless target.is_a?(String) && !target.empty?

      compression = kase['compression']
      raise ArgumentError, "\"compression\" must be \"gzip\", got #{compression.inspect}" unless [nil, 'gzip'].include?(compression)

      new(target, tls_of(kase['tls']), compression)
    end

    def self.tls_of(tls)
      return nil if tls.nil?
      raise ArgumentError, '"tls" must be an object with a string "ca_pem"' unless tls.is_a?(Hash) && tls['ca_pem'].is_a?(String)
      unless TLS_FIELDS.all? { |f| tls[f].nil? || tls[f].is_a?(String) }
        raise ArgumentError, "\"tls\" fields #{TLS_FIELDS.join(', ')} must be strings"
      end
      if tls.key?('client_cert_pem') != tls.key?('client_key_pem')
        raise ArgumentError, '"tls" needs both client_cert_pem and client_key_pem, or neither'
      end

      TLS_FIELDS.map { |f| tls[f] }.freeze
    end
  end

  # The cache of stubs, keyed by ChannelSpec.
  class Channels
    def initialize
      @lock = Mutex.new
      @stubs = {}
    end

    def [](spec)
      @lock.synchronize { @stubs[spec] ||= open(spec) }
    end

    private

    def open(spec)
      args = {}
      # request messages compressed with gzip (grpc-encoding: gzip); responses are always accepted
      args.merge!(GRPC::Core::CompressionOptions.new(default_algorithm: :gzip).to_channel_arg_hash) if spec.compression
      return GRPC::ClientStub.new(spec.target, :this_channel_is_insecure, channel_args: args) unless spec.tls

      ca_pem, server_name, cert_pem, key_pem = spec.tls
      credentials = if cert_pem
                      GRPC::Core::ChannelCredentials.new(ca_pem, key_pem, cert_pem)
                    else
                      GRPC::Core::ChannelCredentials.new(ca_pem)
                    end
      # the name the certificate must match, also sent as SNI and :authority
      args[GRPC::Core::Channel::SSL_TARGET] = server_name if server_name
      GRPC::ClientStub.new(spec.target, credentials, channel_args: args)
    end
  end
end
