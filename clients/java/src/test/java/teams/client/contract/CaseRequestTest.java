// The contract's request checks, without a server: bad lines, bad fields, strict proto3 JSON.
// Uses the health service's descriptor (grpc-services), which lives in a named package.
package teams.client.contract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.grpc.Metadata;
import io.grpc.health.v1.HealthProto;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CaseRequestTest {
  private static final MethodCatalog CATALOG = new MethodCatalog(List.of(HealthProto.getDescriptor()));
  private static final String CHECK = "\"method\":\"grpc.health.v1.Health/Check\",\"requests\":[{\"service\":\"\"}]";

  private static CaseRequest parse(String fields) throws CaseException {
    JsonObject json = CaseRequest.parseLine("{\"id\":\"c\"," + fields + "}");
    assertNotNull(json);
    return CaseRequest.parse(json, CATALOG);
  }

  @ParameterizedTest
  @ValueSource(strings = {"not json", "[1,2]", "\"text\"", "{\"id\":7}", "{\"method\":\"x\"}",
      "{\"id\":\"a\"} trailing", "{id:'a'}", ""})
  void linesThatAreNotObjectsWithAStringIdAreRejected(String line) {
    assertNull(CaseRequest.parseLine(line));
  }

  @Test
  void aWellFormedCaseParses() throws CaseException {
    CaseRequest request = parse(CHECK + ",\"timeout_ms\":500,\"cancel_after_responses\":0,"
        + "\"metadata\":{\"x-a\":[\"1\",\"2\"],\"x-b-bin\":[\"AAEC/w==\"]},\"unknown_field\":{}");
    assertEquals("c", request.id());
    assertEquals("grpc.health.v1.Health/Check", request.fullMethodName());
    assertEquals(500L, request.timeoutMs());
    assertEquals(0, request.cancelAfterResponses());
    List<String> values = new java.util.ArrayList<>();
    request.headers().getAll(Metadata.Key.of("x-a", Metadata.ASCII_STRING_MARSHALLER)).forEach(values::add);
    assertEquals(List.of("1", "2"), values);
    assertArrayEquals(new byte[] {0, 1, 2, (byte) 0xff},
        request.headers().get(Metadata.Key.of("x-b-bin", Metadata.BINARY_BYTE_MARSHALLER)));
    assertFalse(request.gzip());
    assertNull(request.bench());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "-5", "1.5", "\"100\"", "true", "null", "[]"})
  void timeoutMustBeAPositiveInteger(String value) throws CaseException {
    if (value.equals("null")) {
      assertNull(parse(CHECK + ",\"timeout_ms\":null").timeoutMs()); // absent: no deadline
      return;
    }
    assertThrows(CaseException.class, () -> parse(CHECK + ",\"timeout_ms\":" + value));
  }

  @Test
  void unknownMethodsAndMismatchedRequestsAreErrors() {
    assertThrows(CaseException.class, () -> parse("\"method\":\"Teams/Nope\",\"requests\":[{}]"));
    assertThrows(CaseException.class,
        () -> parse("\"method\":\"grpc.health.v1.Health/Check\",\"requests\":[{\"nope\":1}]"));
    assertThrows(CaseException.class,
        () -> parse("\"method\":\"grpc.health.v1.Health/Check\",\"requests\":[{},{}]"));
    assertThrows(CaseException.class, () -> parse(CHECK + ",\"metadata\":{\"x-bin\":[\"!!\"]}"));
    assertThrows(CaseException.class, () -> parse(CHECK + ",\"metadata\":{\"x-bin\":[\"AAE\"]}"));
    assertThrows(CaseException.class, () -> parse(CHECK + ",\"compression\":\"br\""));
  }

  @Test
  void pathTargetTlsCompressionAndBench() throws CaseException {
    CaseRequest request = parse(CHECK + ",\"path\":\"/Nope/Method\",\"target\":\"127.0.0.1:1\","
        + "\"tls\":{\"ca_pem\":\"CA\",\"server_name\":\"teams.test\"},\"compression\":\"gzip\","
        + "\"bench\":{\"calls\":10,\"concurrency\":50}");
    assertEquals("Nope/Method", request.fullMethodName());
    assertEquals("127.0.0.1:1", request.target());
    assertEquals("teams.test", request.tls().serverName());
    assertTrue(request.gzip());
    assertEquals(new CaseRequest.BenchOptions(10, 10), request.bench());
  }

  @Test
  void percentilesAreNearestRank() {
    double[] sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assertEquals(5, Bench.percentile(sorted, 50));
    assertEquals(9, Bench.percentile(sorted, 90));
    assertEquals(10, Bench.percentile(sorted, 99));
  }
}
