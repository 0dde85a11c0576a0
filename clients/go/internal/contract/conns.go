package contract

// One grpc-go connection per distinct (target, tls, compression) of the cases, made on first
// use and shared by every case that asks for the same; cases run concurrently, so the cache
// is locked.

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip" // registers the gzip compressor with grpc-go
)

type connKey struct {
	target      string
	tls         TLS
	useTLS      bool
	compression string
}

// Conns is the connection cache; DefaultTarget serves cases without a `target`.
type Conns struct {
	DefaultTarget string
	mu            sync.Mutex
	conns         map[connKey]*grpc.ClientConn
}

// NewConns returns an empty cache whose cases default to target.
func NewConns(target string) *Conns {
	return &Conns{DefaultTarget: target, conns: map[connKey]*grpc.ClientConn{}}
}

// Get returns the connection for a case, making it on first use.
func (cs *Conns) Get(c Case) (*grpc.ClientConn, error) {
	key := connKey{target: c.Target, compression: c.Compression}
	if key.target == "" {
		key.target = cs.DefaultTarget
	}
	if c.TLS != nil {
		key.tls, key.useTLS = *c.TLS, true
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if conn, ok := cs.conns[key]; ok {
		return conn, nil
	}
	opts, err := dialOptions(key)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(key.target, opts...)
	if err != nil {
		return nil, err
	}
	cs.conns[key] = conn
	return conn, nil
}

// Close closes every connection made.
func (cs *Conns) Close() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for key, conn := range cs.conns {
		_ = conn.Close()
		delete(cs.conns, key)
	}
}

func dialOptions(key connKey) ([]grpc.DialOption, error) {
	var opts []grpc.DialOption
	switch key.compression {
	case "":
	case "gzip":
		opts = append(opts, grpc.WithDefaultCallOptions(grpc.UseCompressor(gzip.Name)))
	default:
		return nil, fmt.Errorf("unknown compression %q: only gzip", key.compression)
	}
	if !key.useTLS {
		return append(opts, grpc.WithTransportCredentials(insecure.NewCredentials())), nil
	}
	creds, err := tlsCredentials(key.tls)
	if err != nil {
		return nil, err
	}
	opts = append(opts, grpc.WithTransportCredentials(creds))
	if key.tls.ServerName != "" {
		opts = append(opts, grpc.WithAuthority(key.tls.ServerName))
	}
	return opts, nil
}

// tlsCredentials trusts only the case's CA and verifies the server against ServerName (also
// sent as SNI), presenting the client certificate when one is given.
func tlsCredentials(t TLS) (credentials.TransportCredentials, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(t.CAPEM)) {
		return nil, errors.New("tls.ca_pem holds no PEM certificate")
	}
	cfg := &tls.Config{RootCAs: pool, ServerName: t.ServerName, MinVersion: tls.VersionTLS12}
	if (t.ClientCertPEM == "") != (t.ClientKeyPEM == "") {
		return nil, errors.New("tls needs both client_cert_pem and client_key_pem, or neither")
	}
	if t.ClientCertPEM != "" {
		cert, err := tls.X509KeyPair([]byte(t.ClientCertPEM), []byte(t.ClientKeyPEM))
		if err != nil {
			return nil, fmt.Errorf("tls client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return credentials.NewTLS(cfg), nil
}
