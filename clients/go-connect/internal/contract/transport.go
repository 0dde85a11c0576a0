package contract

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"

	"golang.org/x/net/http2"
)

// connections keeps one HTTP/2 client per distinct (target, tls), reused across cases, so
// concurrent cases share a connection the way a gRPC channel does.
type connections struct {
	mu      sync.Mutex
	clients map[string]*http.Client
}

// get returns the client for a target and the base URL its calls go to.
func (c *connections) get(target string, t *TLS) (*http.Client, string, error) {
	key, _ := json.Marshal(struct {
		Target string
		TLS    *TLS
	}{target, t})
	scheme := "http://"
	if t != nil {
		scheme = "https://"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if client, ok := c.clients[string(key)]; ok {
		return client, scheme + target, nil
	}
	transport, err := newTransport(t)
	if err != nil {
		return nil, "", err
	}
	client := &http.Client{Transport: transport}
	if c.clients == nil {
		c.clients = map[string]*http.Client{}
	}
	c.clients[string(key)] = client
	return client, scheme + target, nil
}

// newTransport speaks HTTP/2 only: prior-knowledge cleartext (h2c) without tls, as gRPC does,
// or HTTP/2 over TLS trusting only the case's CA.
func newTransport(t *TLS) (http.RoundTripper, error) {
	if t == nil {
		return &http2.Transport{
			AllowHTTP: true,
			DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
		}, nil
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM([]byte(t.CAPEM)) {
		return nil, errors.New("tls.ca_pem holds no PEM certificate")
	}
	config := &tls.Config{RootCAs: roots, ServerName: t.ServerName, MinVersion: tls.VersionTLS12}
	if t.ClientCertPEM != "" || t.ClientKeyPEM != "" {
		cert, err := tls.X509KeyPair([]byte(t.ClientCertPEM), []byte(t.ClientKeyPEM))
		if err != nil {
			return nil, fmt.Errorf("tls client certificate: %w", err)
		}
		config.Certificates = []tls.Certificate{cert}
	}
	var rt http.RoundTripper = &http2.Transport{TLSClientConfig: config}
	if t.ServerName != "" {
		rt = authority{rt, t.ServerName}
	}
	return rt, nil
}

// authority sends server_name as the :authority too, as gRPC's name override does.
type authority struct {
	next http.RoundTripper
	host string
}

func (a authority) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Host = a.host
	return a.next.RoundTrip(r)
}
