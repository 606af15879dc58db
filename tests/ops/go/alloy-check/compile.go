package main

import "regexp"

func compile(pattern string) (*regexp.Regexp, error) { return regexp.Compile(pattern) }
