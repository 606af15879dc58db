module alloycheck

go 1.25
