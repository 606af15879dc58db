// Command healthcheck asks the collector's health_check extension whether the collector is ready
// and exits 0 (healthy) or 1. The collector image has no shell, curl or wget, so Docker's
// HEALTHCHECK needs a static binary of its own; this one uses only the standard library.
//
// Usage: healthcheck [url]   (default http://127.0.0.1:13133/, or $HEALTHCHECK_URL)
package main

import (
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	url := "http://127.0.0.1:13133/"
	if env := os.Getenv("HEALTHCHECK_URL"); env != "" {
		url = env
	}
	if len(os.Args) > 1 {
		url = os.Args[1]
	}
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "unhealthy: %v\n", err)
		os.Exit(1)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(os.Stderr, "unhealthy: %s answered %d\n", url, resp.StatusCode)
		os.Exit(1)
	}
	fmt.Println("healthy")
}
