module github.com/podiam/podiam

go 1.26
