// HTTPS GET with Go's standard library (net/http + crypto/tls, defaults).
// Usage: go-client URL KEY. Roots come from SSL_CERT_FILE (crypto/x509 on Linux).
package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
)

func main() {
	req, _ := http.NewRequest("GET", os.Args[1], nil)
	req.Header.Set("Authorization", "Bearer "+os.Args[2])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println("go:", resp.Proto, resp.Status, len(body), "bytes")
}
