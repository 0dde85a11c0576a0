// Finds an RPC by its generated name ("Service/Method") in the generated file descriptors and
// turns it into a grpc-java MethodDescriptor over DynamicMessage, so a new RPC in teams.proto
// needs no change here: its kind and message types come from the descriptor.
package teams.client.contract;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.MethodDescriptor.Marshaller;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public final class MethodCatalog {
  private final Map<String, MethodDescriptor> methods = new HashMap<>();

  public MethodCatalog(List<FileDescriptor> files) {
    for (FileDescriptor file : files) {
      for (ServiceDescriptor service : file.getServices()) {
        for (MethodDescriptor method : service.getMethods()) {
          methods.put(service.getFullName() + "/" + method.getName(), method);
        }
      }
    }
  }

  /** The method named "Service/Method", or null when the generated code does not know it. */
  public MethodDescriptor find(String name) {
    return methods.get(name);
  }

  /** A grpc-java descriptor for {@code method}, sent to {@code fullMethodName} (path without "/"). */
  public static io.grpc.MethodDescriptor<DynamicMessage, DynamicMessage> grpcMethod(
      MethodDescriptor method, String fullMethodName) {
    return io.grpc.MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
        .setType(kind(method))
        .setFullMethodName(fullMethodName)
        .setRequestMarshaller(new DynamicMarshaller(method.getInputType()))
        .setResponseMarshaller(new DynamicMarshaller(method.getOutputType()))
        .build();
  }

  static MethodType kind(MethodDescriptor method) {
    if (method.isClientStreaming()) {
      return method.isServerStreaming() ? MethodType.BIDI_STREAMING : MethodType.CLIENT_STREAMING;
    }
    return method.isServerStreaming() ? MethodType.SERVER_STREAMING : MethodType.UNARY;
  }

  /** Serialises any message; parses bytes as the one message type it was made for. */
  private record DynamicMarshaller(Descriptor type) implements Marshaller<DynamicMessage> {
    @Override
    public InputStream stream(DynamicMessage value) {
      return value.toByteString().newInput();
    }

    @Override
    public DynamicMessage parse(InputStream stream) {
      try {
        return DynamicMessage.parseFrom(type, stream);
      } catch (InvalidProtocolBufferException e) {
        throw Status.INTERNAL.withDescription("invalid response message: " + e.getMessage())
            .withCause(e).asRuntimeException();
      } catch (IOException e) {
        throw Status.INTERNAL.withCause(e).asRuntimeException();
      }
    }
  }
}
