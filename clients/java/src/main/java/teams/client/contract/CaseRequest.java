// One request line of the harness, checked and turned into what grpc-java needs: the method's
// descriptor, the request messages as DynamicMessage, Metadata, and the call's options.
// Parsing is kept apart from calling so it can be unit tested without a server.
package teams.client.contract;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Metadata;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

public record CaseRequest(
    String id,
    MethodDescriptor method,
    String fullMethodName,
    List<DynamicMessage> requests,
    Metadata headers,
    Long timeoutMs,
    Integer cancelAfterResponses,
    String target,
    TlsOptions tls,
    boolean gzip,
    BenchOptions bench) {

  /** The `tls` field: PEM texts, and the name the server's certificate must match. */
  public record TlsOptions(String caPem, String serverName, String clientCertPem, String clientKeyPem) {}

  /** The `bench` field: how many calls, and how many of them in flight at most. */
  public record BenchOptions(int calls, int concurrency) {}

  private static final JsonFormat.Parser PROTO_JSON = JsonFormat.parser();

  /**
   * The line as a JSON object with a string id, or null when it is not one (the caller answers
   * with an error under line-N).
   */
  public static JsonObject parseLine(String line) {
    try {
      JsonReader reader = new JsonReader(new StringReader(line));
      reader.setStrictness(Strictness.STRICT);
      JsonElement element = JsonParser.parseReader(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT || !element.isJsonObject()) {
        return null;
      }
      JsonElement id = element.getAsJsonObject().get("id");
      if (id == null || !id.isJsonPrimitive() || !id.getAsJsonPrimitive().isString()) {
        return null;
      }
      return element.getAsJsonObject();
    } catch (JsonParseException | IOException | IllegalStateException e) {
      return null;
    }
  }

  /** Checks every field the contract defines; unknown fields are ignored. */
  public static CaseRequest parse(JsonObject json, MethodCatalog catalog) throws CaseException {
    String id = json.get("id").getAsString();
    String methodName = string(json, "method", true);
    MethodDescriptor method = catalog.find(methodName);
    if (method == null) {
      throw new CaseException("unknown method " + methodName);
    }
    List<DynamicMessage> requests = requests(json, method);
    String path = string(json, "path", false);
    String fullMethodName = methodName;
    if (path != null) {
      if (!path.startsWith("/") || path.length() < 2) {
        throw new CaseException("path must start with / and name a method: " + path);
      }
      fullMethodName = path.substring(1);
    }
    Long timeoutMs = integer(json, "timeout_ms", 1);
    Long cancelAfter = integer(json, "cancel_after_responses", 0);
    if (cancelAfter != null && cancelAfter > Integer.MAX_VALUE) {
      throw new CaseException("cancel_after_responses is too large");
    }
    String compression = string(json, "compression", false);
    if (compression != null && !compression.equals("gzip")) {
      throw new CaseException("unsupported compression " + compression);
    }
    return new CaseRequest(
        id,
        method,
        fullMethodName,
        requests,
        metadata(json),
        timeoutMs,
        cancelAfter == null ? null : cancelAfter.intValue(),
        string(json, "target", false),
        tls(json),
        compression != null,
        bench(json));
  }

  private static List<DynamicMessage> requests(JsonObject json, MethodDescriptor method)
      throws CaseException {
    JsonElement field = json.get("requests");
    if (field == null || !field.isJsonArray()) {
      throw new CaseException("requests must be a list of messages");
    }
    JsonArray array = field.getAsJsonArray();
    if (!method.isClientStreaming() && array.size() != 1) {
      throw new CaseException(
          method.getFullName() + " takes exactly one request, got " + array.size());
    }
    List<DynamicMessage> messages = new ArrayList<>();
    for (JsonElement element : array) {
      if (!element.isJsonObject()) {
        throw new CaseException("request " + messages.size() + " is not a JSON object");
      }
      DynamicMessage.Builder builder = DynamicMessage.newBuilder(method.getInputType());
      try {
        PROTO_JSON.merge(element.toString(), builder);
      } catch (InvalidProtocolBufferException | RuntimeException e) {
        throw new CaseException(
            "request " + messages.size() + " does not match " + method.getInputType().getFullName()
                + ": " + e.getMessage(), e);
      }
      messages.add(builder.build());
    }
    return messages;
  }

  private static Metadata metadata(JsonObject json) throws CaseException {
    Metadata headers = new Metadata();
    JsonElement field = json.get("metadata");
    if (field == null || field.isJsonNull()) {
      return headers;
    }
    if (!field.isJsonObject()) {
      throw new CaseException("metadata must be an object of lists");
    }
    for (Map.Entry<String, JsonElement> entry : field.getAsJsonObject().entrySet()) {
      String key = entry.getKey();
      List<String> values = new ArrayList<>();
      JsonElement value = entry.getValue();
      if (value.isJsonArray()) {
        for (JsonElement item : value.getAsJsonArray()) {
          values.add(text(item, "metadata " + key));
        }
      } else {
        values.add(text(value, "metadata " + key));
      }
      try {
        if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          Metadata.Key<byte[]> binaryKey = Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER);
          for (String text : values) {
            headers.put(binaryKey, base64(key, text));
          }
        } else {
          Metadata.Key<String> asciiKey = Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER);
          for (String text : values) {
            headers.put(asciiKey, text);
          }
        }
      } catch (IllegalArgumentException e) {
        throw new CaseException("bad metadata key " + key + ": " + e.getMessage(), e);
      }
    }
    return headers;
  }

  /** Standard, padded base64, as the contract says; anything else is an error. */
  static byte[] base64(String key, String text) throws CaseException {
    if (text.length() % 4 != 0) {
      throw new CaseException("metadata " + key + ": base64 value is not padded: " + text);
    }
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new CaseException("metadata " + key + ": bad base64: " + e.getMessage(), e);
    }
  }

  private static TlsOptions tls(JsonObject json) throws CaseException {
    JsonElement field = json.get("tls");
    if (field == null || field.isJsonNull()) {
      return null;
    }
    if (!field.isJsonObject()) {
      throw new CaseException("tls must be an object");
    }
    JsonObject tls = field.getAsJsonObject();
    TlsOptions options = new TlsOptions(
        string(tls, "ca_pem", false),
        string(tls, "server_name", false),
        string(tls, "client_cert_pem", false),
        string(tls, "client_key_pem", false));
    if ((options.clientCertPem() == null) != (options.clientKeyPem() == null)) {
      throw new CaseException("tls needs both client_cert_pem and client_key_pem, or neither");
    }
    return options;
  }

  private static BenchOptions bench(JsonObject json) throws CaseException {
    JsonElement field = json.get("bench");
    if (field == null || field.isJsonNull()) {
      return null;
    }
    if (!field.isJsonObject()) {
      throw new CaseException("bench must be an object");
    }
    Long calls = integer(field.getAsJsonObject(), "calls", 1);
    Long concurrency = integer(field.getAsJsonObject(), "concurrency", 1);
    if (calls == null || calls > 10_000_000) {
      throw new CaseException("bench.calls must be a positive integer");
    }
    long inFlight = concurrency == null ? 1 : Math.min(concurrency, calls);
    return new BenchOptions(calls.intValue(), (int) inFlight);
  }

  private static String string(JsonObject json, String name, boolean required) throws CaseException {
    JsonElement field = json.get(name);
    if (field == null || field.isJsonNull()) {
      if (required) {
        throw new CaseException(name + " is required");
      }
      return null;
    }
    return text(field, name);
  }

  private static String text(JsonElement element, String what) throws CaseException {
    if (!element.isJsonPrimitive() || !element.getAsJsonPrimitive().isString()) {
      throw new CaseException(what + " must be a string");
    }
    return element.getAsString();
  }

  /** An optional integer field of at least {@code min}: 2.0 counts, 2.5, "2" and true do not. */
  static Long integer(JsonObject json, String name, long min) throws CaseException {
    JsonElement field = json.get(name);
    if (field == null || field.isJsonNull()) {
      return null;
    }
    String rule = min > 0 ? " must be a positive integer" : " must be a non-negative integer";
    if (!field.isJsonPrimitive() || !field.getAsJsonPrimitive().isNumber()) {
      throw new CaseException(name + rule + ", got " + field);
    }
    try {
      long value = new BigDecimal(field.getAsString()).longValueExact();
      if (value < min) {
        throw new CaseException(name + rule + ", got " + field);
      }
      return value;
    } catch (ArithmeticException | NumberFormatException e) {
      throw new CaseException(name + rule + ", got " + field, e);
    }
  }
}
