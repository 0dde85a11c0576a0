// Netty (under grpc-java's TLS credentials) reads only PKCS#8 private keys ("BEGIN PRIVATE KEY")
// unless BouncyCastle is on the classpath. OpenSSL and Python's cryptography often write the
// traditional forms instead, so this wraps a PKCS#1 RSA or a SEC1 EC key into PKCS#8 (plain DER
// wrapping, no crypto). Anything else is passed on unchanged for Netty to judge.
package teams.client.contract;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

final class PrivateKeys {
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN (RSA|EC) PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END \\1 PRIVATE KEY-----");
  private static final byte[] RSA_ENCRYPTION = {
    0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01
  };
  private static final byte[] EC_PUBLIC_KEY = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
  private static final byte[] DER_NULL = {0x05, 0x00};
  private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

  private PrivateKeys() {}

  static String toPkcs8Pem(String pem) {
    Matcher match = PEM.matcher(pem);
    if (!match.find()) {
      return pem;
    }
    byte[] inner = Base64.getMimeDecoder().decode(match.group(2));
    byte[] algorithm = match.group(1).equals("RSA")
        ? der(0x30, concat(RSA_ENCRYPTION, DER_NULL))
        : der(0x30, concat(EC_PUBLIC_KEY, ecCurve(inner)));
    byte[] pkcs8 = der(0x30, concat(VERSION_0, algorithm, der(0x04, inner)));
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs8)
        + "\n-----END PRIVATE KEY-----\n";
  }

  /** The curve OID from a SEC1 ECPrivateKey's [0] parameters. */
  private static byte[] ecCurve(byte[] sec1) {
    int[] seq = header(sec1, 0);
    int at = seq[0];
    while (at < sec1.length) {
      int[] element = header(sec1, at);
      if ((sec1[at] & 0xff) == 0xa0) {
        int[] oid = header(sec1, element[0]);
        return java.util.Arrays.copyOfRange(sec1, element[0], oid[0] + oid[1]);
      }
      at = element[0] + element[1];
    }
    throw new IllegalArgumentException("EC private key names no curve");
  }

  /** {start of contents, length of contents} of the DER element at {@code at}. */
  private static int[] header(byte[] der, int at) {
    int first = der[at + 1] & 0xff;
    if (first < 0x80) {
      return new int[] {at + 2, first};
    }
    int bytes = first & 0x7f;
    int length = 0;
    for (int i = 0; i < bytes; i++) {
      length = (length << 8) | (der[at + 2 + i] & 0xff);
    }
    return new int[] {at + 2 + bytes, length};
  }

  private static byte[] der(int tag, byte[] contents) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = contents.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(contents);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
