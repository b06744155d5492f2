# Writes discosim's help text (every subcommand's --help, one after the
# other) and, with help2man, its man page, from the built binary:
#   cmake -DDISCOSIM=path/to/discosim -DHELP_TXT=out.txt -DDOC_DIR=/usr/share/doc/discosim
#         [-DHELP2MAN=help2man -DMAN=out.1] -P man_page.cmake
# The subcommands are read from `discosim --help`, so a new one is in both
# without a change here.
execute_process(COMMAND ${DISCOSIM} --help OUTPUT_VARIABLE main_help RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${DISCOSIM} --help failed (${status})")
endif()
# CLI11 lists them under "Subcommands:", one a line: "  name   description".
string(REGEX REPLACE ".*\nSubcommands:\n" "" listing "${main_help}")
string(REGEX MATCHALL "(^|\n)  [a-z][a-z0-9_-]*" names "${listing}")
set(help "${main_help}")
set(include_text "[COMMANDS]\n")
foreach(name IN LISTS names)
  string(STRIP "${name}" name)
  execute_process(COMMAND ${DISCOSIM} ${name} --help OUTPUT_VARIABLE sub_help RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${DISCOSIM} ${name} --help failed (${status})")
  endif()
  string(APPEND help "\n\n==== discosim ${name} --help\n\n${sub_help}")
  # roff: a preformatted block per subcommand; a leading dot or quote and
  # every backslash escaped.
  string(REPLACE "\\" "\\e" roff "${sub_help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" roff "${roff}")
  string(APPEND include_text ".SS \"discosim ${name}\"\n.nf\n${roff}.fi\n")
endforeach()
file(WRITE ${HELP_TXT} "${help}")
if(HELP2MAN)
  get_filename_component(dir ${MAN} DIRECTORY)
  set(include_file ${dir}/discosim.h2m)
  file(WRITE ${include_file} "${include_text}
[SEE ALSO]
The scenario format: ${DOC_DIR}/docs/scenario-format.md, and its JSON Schema,
${DOC_DIR}/docs/scenario.schema.json. Example scenarios: ${DOC_DIR}/scenarios/.
The README: ${DOC_DIR}/README.md.
")
  execute_process(COMMAND ${DISCOSIM} --version OUTPUT_VARIABLE version)
  string(REGEX REPLACE "^discosim ([^ \n]+).*" "\\1" version "${version}")
  execute_process(COMMAND ${HELP2MAN} --no-info --no-discard-stderr
                          "--version-string=${version}"
                          "--name=deterministic simulator of CETS cluster node discovery"
                          --section=1 --include=${include_file} --output=${MAN} ${DISCOSIM}
                  RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "help2man failed (${status})")
  endif()
endif()
