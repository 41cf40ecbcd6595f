/** Fixed so progress, errors and new items never change a row's height (no jumps while scrolling). */
export const ROW_HEIGHT = 60;
