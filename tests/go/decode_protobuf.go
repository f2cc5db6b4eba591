// Reads delimited MetricFamily messages on stdin with client_model and expfmt, as Prometheus does,
// and prints each as one line of JSON: an outside reader for tests/protobuf.rs.
// Run with: GOPATH=/usr/share/gocode GO111MODULE=off go run tests/go/decode_protobuf.go < body

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
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
		b, _ := json.Marshal(&mf)
		fmt.Println(string(b))
	}
}
