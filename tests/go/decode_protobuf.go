// Reads delimited MetricFamily messages on stdin with client_model and expfmt, as Prometheus does,
// and prints each as one line of proto3 JSON: an outside reader for tests/protobuf.rs.
// Run with: GOPATH=/usr/share/gocode GO111MODULE=off go run tests/go/decode_protobuf.go < body

package main

import (
	"fmt"
	"io"
	"os"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/runtime/protoimpl"
)

func main() {
	dec := expfmt.NewDecoder(os.Stdin, expfmt.FmtProtoDelim)
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err == io.EOF {
			return
		} else if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		// protojson spells +Inf as "Infinity" and 64-bit integers as strings, as proto3's JSON does.
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(protoimpl.X.ProtoMessageV2Of(&mf))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(string(b))
	}
}
