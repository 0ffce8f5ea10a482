// Drawing with gnuplot (Debian's gnuplot-nox) as a child process: one generated script
// (data inline as datablocks) run in a private working folder where its PNGs land.
#pragma once
#include <string>
#include <string_view>

namespace hp {

// The path of `program` (a name looked up on PATH, or a path). Throws hp::UserError
// naming Debian's gnuplot-nox if there is no such executable.
std::string find_gnuplot(const std::string& program = "gnuplot");

// Runs `script` with the gnuplot at `gnuplot_path` (with its default settings: no
// ~/.gnuplot) in the existing folder `folder`, its working folder; the script and
// gnuplot's messages go there as report.gp and gnuplot.log. Throws hp::UserError with
// gnuplot's last messages if it fails.
void run_gnuplot(const std::string& gnuplot_path, const std::string& folder, const std::string& script);

// A gnuplot string literal showing `text` (user data, see display_text: at most
// `max_bytes`) verbatim; use it with `noenhanced` so ^ _ { } @ & stay plain characters.
std::string gnuplot_quote(std::string_view text, std::size_t max_bytes = 120);

// Commands selecting a PNG terminal of `width` × `height` pixels with readable fonts:
// pngcairo when this gnuplot has it, else libgd's png.
std::string gnuplot_png_terminal(int width, int height);

}  // namespace hp
