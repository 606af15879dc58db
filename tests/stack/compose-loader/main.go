// compose-config: loads compose files with compose-go, the loader inside Docker Compose v2, and
// prints the resolved project as JSON (what `docker compose config --format json` prints).
// No Docker engine or compose plugin is available where the tests run; this gives the same
// schema validation, `include:`/`extends:` resolution, interpolation from .env and
// depends_on consistency checks, so a file that passes here loads in `docker compose`.
//
// Usage: compose-config FILE [FILE...]   (working directory and .env: those of the first file)
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-config FILE [FILE...]")
		os.Exit(2)
	}
	// Same option order as the compose CLI: OS env, then the project's .env on top of it.
	opts, err := cli.NewProjectOptions(os.Args[1:], cli.WithOsEnv, cli.WithEnvFiles(), cli.WithDotEnv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := json.MarshalIndent(project, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
