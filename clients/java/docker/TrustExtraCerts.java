// Docker build helper, run as `java TrustExtraCerts.java FILE...`: adds every certificate of
// the given PEM files (a TLS-intercepting proxy's CA, or a whole bundle; see ci/certs/README.md)
// to the JVM's cacerts, so Maven inside the build stage can reach Maven Central. One JVM for the
// whole bundle, where a keytool call per certificate would take minutes.
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

public class TrustExtraCerts {
  public static void main(String[] files) throws Exception {
    Path cacerts = Path.of(System.getProperty("java.home"), "lib", "security", "cacerts").toRealPath();
    char[] password = "changeit".toCharArray();
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    try (InputStream in = new FileInputStream(cacerts.toFile())) {
      store.load(in, password);
    }
    int added = 0;
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    for (String file : files) {
      try (InputStream in = new FileInputStream(file)) {
        for (Certificate certificate : factory.generateCertificates(in)) {
          if (store.getCertificateAlias(certificate) == null) {
            store.setCertificateEntry("extra-ca-" + added++, certificate);
          }
        }
      }
    }
    try (OutputStream out = new FileOutputStream(cacerts.toFile())) {
      store.store(out, password);
    }
    System.out.println("TrustExtraCerts: " + added + " certificates added to " + cacerts);
  }
}
