# frozen_string_literal: true

# The executor's line handling and case validation, without a server: every bad line or case must
# become an `error` result (line-N when there is no id), never an exception.
require 'minitest/autorun'
require 'stringio'
require 'teams_client/contract'

class ContractTest < Minitest::Test
  def setup
    @contract = TeamsClient::Contract.new('127.0.0.1:1')
  end

  def results(*lines)
    out = StringIO.new
    @contract.serve(StringIO.new(lines.map { |l| "#{l}\n" }.join), out)
    out.string.lines.map { |l| JSON.parse(l) }.to_h { |r| [r['id'], r] }
  end

  def test_bad_lines_are_answered_under_their_line_number
    got = results('{not json', '', '[1]', '{"id": 7}')
    assert_equal %w[line-1 line-3 line-4], got.keys.sort
    assert(got.values.all? { |r| r.key?('error') })
  end

  def test_cases_that_cannot_run_are_errors
    get_team = '"method": "Teams/GetTeam", "requests": [{"city": "Chicago"}]'
    got = results('{"id": "method", "method": "Teams/Nope", "requests": [{}]}',
                  '{"id": "field", "method": "Teams/GetTeam", "requests": [{"colour": "blue"}]}',
                  '{"id": "two", "method": "Teams/GetTeam", "requests": [{}, {}]}',
                  %({"id": "timeout", #{get_team}, "timeout_ms": 0}),
                  %({"id": "float", #{get_team}, "timeout_ms": 1.5}),
                  %({"id": "base64", #{get_team}, "metadata": {"k-bin": ["!"]}}),
                  %({"id": "tls", #{get_team}, "tls": {"server_name": "x"}}),
                  %({"id": "bench", #{get_team}, "bench": {"calls": 1}}))
    assert_equal %w[base64 bench field float method timeout tls two], got.keys.sort
    got.each_value { |r| assert r.key?('error'), r }
  end

  def test_every_rpc_of_the_descriptors_is_known
    rpcs = TeamsClient::Descriptors.load
    assert rpcs['Teams/GetTeams'].client_streaming && rpcs['Teams/GetTeams'].server_streaming
    refute rpcs['grpc.health.v1.Health/Check'].server_streaming
    assert rpcs['grpc.health.v1.Health/Watch'].server_streaming
  end
end

class MetadataTest < Minitest::Test
  def test_binary_values_round_trip_as_base64
    sent = TeamsClient.to_grpc_metadata('a' => ['x'], 'b-bin' => ['AAEC/w=='])
    assert_equal({ 'a' => ['x'], 'b-bin' => ["\x00\x01\x02\xff".b] }, sent)
    assert_equal({ 'a' => ['x'], 'b-bin' => ['AAEC/w=='] }, TeamsClient.from_grpc_metadata('a' => 'x', 'b-bin' => "\x00\x01\x02\xff".b))
  end

  def test_percentiles_are_nearest_rank
    assert_equal({ 'p50' => 5.0, 'p90' => 9.0, 'p99' => 10.0, 'max' => 10.0 },
                 TeamsClient::Bench.percentiles((1..10).map(&:to_f).reverse))
  end
end
