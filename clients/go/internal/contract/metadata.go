package contract

import (
	"encoding/base64"
	"fmt"
	"strings"

	"google.golang.org/grpc/metadata"
)

// isBinary reports whether a metadata key carries bytes. grpc-go keeps such values raw in
// metadata.MD (it does the wire's base64 itself), while the contract's JSON carries them as
// padded standard base64, so they are converted at both edges.
func isBinary(key string) bool {
	return strings.HasSuffix(key, "-bin")
}

// decodeMetadata turns the case's metadata into outgoing grpc-go metadata.
func decodeMetadata(in map[string][]string) (metadata.MD, error) {
	md := metadata.MD{}
	for key, values := range in {
		key = strings.ToLower(key)
		for _, v := range values {
			if isBinary(key) {
				b, err := base64.StdEncoding.DecodeString(v)
				if err != nil {
					return nil, fmt.Errorf("metadata %q: value %q is not standard base64: %w", key, v, err)
				}
				v = string(b)
			}
			md.Append(key, v)
		}
	}
	return md, nil
}

// encodeMetadata renders received metadata for a result, or nil when there is none.
func encodeMetadata(md metadata.MD) map[string][]string {
	if len(md) == 0 {
		return nil
	}
	out := make(map[string][]string, len(md))
	for key, values := range md {
		enc := make([]string, len(values))
		for i, v := range values {
			if isBinary(key) {
				v = base64.StdEncoding.EncodeToString([]byte(v))
			}
			enc[i] = v
		}
		out[key] = enc
	}
	return out
}
