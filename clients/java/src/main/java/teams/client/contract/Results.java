// Writes what a call showed as a contract result object: numeric status code and message,
// responses in proto3 JSON, metadata as lowercase key -> list, -bin values in base64.
package teams.client.contract;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Base64;

final class Results {
  private static final JsonFormat.Printer PROTO_JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  private Results() {}

  static JsonObject error(String id, String message) {
    JsonObject result = new JsonObject();
    result.addProperty("id", id);
    result.addProperty("error", message);
    return result;
  }

  static JsonObject call(String id, CallRunner.Outcome outcome) throws InvalidProtocolBufferException {
    JsonObject result = new JsonObject();
    result.addProperty("id", id);
    result.add("status", status(outcome.status()));
    JsonArray responses = new JsonArray();
    for (DynamicMessage message : outcome.responses()) {
      responses.add(JsonParser.parseString(PROTO_JSON.print(message)));
    }
    result.add("responses", responses);
    result.add("initial_metadata", metadata(outcome.headers()));
    result.add("trailing_metadata", metadata(outcome.trailers()));
    return result;
  }

  static JsonObject status(Status status) {
    JsonObject json = new JsonObject();
    json.addProperty("code", status.getCode().value());
    json.addProperty("message", status.getDescription() == null ? "" : status.getDescription());
    return json;
  }

  static JsonObject metadata(Metadata metadata) {
    JsonObject json = new JsonObject();
    if (metadata == null) {
      return json;
    }
    for (String key : metadata.keys()) {
      JsonArray values = new JsonArray();
      if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        for (byte[] value : metadata.getAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER))) {
          values.add(Base64.getEncoder().encodeToString(value));
        }
      } else {
        for (String value : metadata.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER))) {
          values.add(value);
        }
      }
      json.add(key, values);
    }
    return json;
  }
}
