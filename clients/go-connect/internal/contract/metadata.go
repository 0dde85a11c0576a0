package contract

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"connectrpc.com/connect"
)

// Metadata travels as HTTP headers in connect-go. Keys ending in -bin carry bytes: the contract's
// JSON holds them as padded standard base64, the wire as unpadded base64
// (connect.EncodeBinaryHeader), so they are converted at both edges.
func isBinary(key string) bool {
	return strings.HasSuffix(key, "-bin")
}

// decodeMetadata turns the case's metadata into request headers.
func decodeMetadata(in map[string][]string) (http.Header, error) {
	h := http.Header{}
	for key, values := range in {
		key = strings.ToLower(key)
		for _, v := range values {
			if isBinary(key) {
				b, err := base64.StdEncoding.DecodeString(v)
				if err != nil {
					return nil, fmt.Errorf("metadata %q: value %q is not standard base64: %w", key, v, err)
				}
				v = connect.EncodeBinaryHeader(b)
			}
			h.Add(key, v)
		}
	}
	return h, nil
}

// encodeMetadata renders response headers or trailers for a result (lowercase keys), or nil
// when there are none. A binary header may hold several values joined with commas.
func encodeMetadata(h http.Header) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string][]string, len(h))
	for key, values := range h {
		key = strings.ToLower(key)
		for _, v := range values {
			if !isBinary(key) {
				out[key] = append(out[key], v)
				continue
			}
			for _, part := range strings.Split(v, ",") {
				b, err := connect.DecodeBinaryHeader(strings.TrimSpace(part))
				if err != nil {
					b = []byte(part) // report what came, rather than nothing
				}
				out[key] = append(out[key], base64.StdEncoding.EncodeToString(b))
			}
		}
	}
	return out
}
