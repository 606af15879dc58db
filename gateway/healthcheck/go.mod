module observability-poc/gateway/healthcheck

go 1.25
