// Package servercmd owns "podiam server": its flags (each with a PODIAM_*
// environment fallback) and turning them into a server.Config.
package servercmd
