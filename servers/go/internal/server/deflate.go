package server

import (
	"compress/zlib"
	"io"
	"sync"

	"google.golang.org/grpc/encoding"
)

// gRPC's "deflate" is zlib (RFC 1950), as gRPC core, and so the Python server, speaks it:
// requests compressed with it are accepted, and the compress-response hook can answer with it.
// grpc-go has no deflate compressor of its own, only gzip.
func init() { encoding.RegisterCompressor(deflate{}) }

type deflate struct{}

var deflateWriters = sync.Pool{New: func() any { return zlib.NewWriter(nil) }}

func (deflate) Name() string { return "deflate" }

func (deflate) Compress(w io.Writer) (io.WriteCloser, error) {
	z := deflateWriters.Get().(*zlib.Writer)
	z.Reset(w)
	return pooledWriter{z}, nil
}

type pooledWriter struct{ *zlib.Writer }

func (p pooledWriter) Close() error {
	defer deflateWriters.Put(p.Writer)
	return p.Writer.Close()
}

func (deflate) Decompress(r io.Reader) (io.Reader, error) {
	return zlib.NewReader(r)
}
