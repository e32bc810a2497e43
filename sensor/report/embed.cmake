# embed.cmake — writes OUT: a C file defining NAME, the bytes of IN and a
# NUL (the report's style and script live in their own files, page.css and
# page.js, and are compiled into the page).  cmake -DIN=… -DOUT=… -DNAME=… -P embed.cmake
file(READ ${IN} hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
file(WRITE ${OUT} "/* generated from ${IN} by embed.cmake */\nconst unsigned char ${NAME}[] = {${hex}0x00};\n")
