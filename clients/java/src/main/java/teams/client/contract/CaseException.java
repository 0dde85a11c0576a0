// A case the client cannot run (unknown method, a request that does not match its type, bad
// metadata, a bad timeout_ms ...): answered with an `error` result, never a crash.
package teams.client.contract;

public final class CaseException extends Exception {
  public CaseException(String message) {
    super(message);
  }

  public CaseException(String message, Throwable cause) {
    super(message, cause);
  }
}
